using System.CommandLine;
using System.Net;
using MetricsAdapter.ApiServer.Serving;

namespace MetricsAdapter.Host.Cli;

/// <summary><c>certs generate</c>: a CA, a serving certificate and optionally a client certificate and kubeconfig.</summary>
internal static class CertsCommand
{
    public static Command Create()
    {
        var outDir = new Option<DirectoryInfo>("--out-dir") { Description = "Directory for the PEM files.", Required = true };
        var dns = new Option<string[]>("--dns")
        {
            Description = "DNS names of the serving certificate (repeat or comma-separate).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["localhost"],
        };
        var ip = new Option<string[]>("--ip")
        {
            Description = "IP addresses of the serving certificate (repeat or comma-separate).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["127.0.0.1"],
        };
        var clientName = new Option<string?>("--client-cn") { Description = "Also issue a client certificate for this user name." };
        var clientGroups = new Option<string[]>("--client-group")
        {
            Description = "Groups (O) of the client certificate, e.g. system:masters.",
            AllowMultipleArgumentsPerToken = true,
        };
        var kubeconfig = new Option<FileInfo?>("--kubeconfig") { Description = "Also write a kubeconfig here that trusts the CA and uses the client certificate." };
        var server = new Option<string?>("--server") { Description = "Server address written into --kubeconfig, e.g. https://127.0.0.1:6443." };

        var generate = new Command("generate", "Issue (or keep, while valid for 30 more days) a CA, a serving certificate and optionally a client certificate.")
        {
            outDir, dns, ip, clientName, clientGroups, kubeconfig, server,
        };
        generate.SetAction(async (parse, cancellationToken) =>
        {
            var addresses = new List<IPAddress>();
            foreach (var text in CliValues.SplitList(parse.GetValue(ip)))
            {
                if (!IPAddress.TryParse(text, out var address))
                {
                    await Console.Error.WriteLineAsync($"--ip \"{text}\" is not an IP address");
                    return 2;
                }

                addresses.Add(address);
            }

            var kubeconfigFile = parse.GetValue(kubeconfig);
            var serverText = parse.GetValue(server);
            Uri? serverUri = null;
            if (serverText is not null && (!Uri.TryCreate(serverText, UriKind.Absolute, out serverUri) || serverUri.Scheme != Uri.UriSchemeHttps))
            {
                await Console.Error.WriteLineAsync($"--server \"{serverText}\" must be an https:// address");
                return 2;
            }

            if (kubeconfigFile is not null && (serverUri is null || parse.GetValue(clientName) is null))
            {
                await Console.Error.WriteLineAsync("--kubeconfig needs --server and --client-cn");
                return 2;
            }

            var issued = DevelopmentCertificates.Issue(
                new CertificateRequestSet(
                    parse.GetValue(outDir)!.FullName,
                    CliValues.SplitList(parse.GetValue(dns)),
                    addresses,
                    parse.GetValue(clientName),
                    CliValues.SplitList(parse.GetValue(clientGroups))),
                TimeProvider.System.GetUtcNow());
            await Console.Out.WriteLineAsync($"{(issued.Reused ? "kept" : "issued")}: {issued.CaCertFile}, {issued.ServingCertFile}, {issued.ServingKeyFile}"
                + (issued.ClientCertFile is null ? string.Empty : $", {issued.ClientCertFile}, {issued.ClientKeyFile}"));
            if (kubeconfigFile is not null)
            {
                await File.WriteAllTextAsync(kubeconfigFile.FullName, DevelopmentCertificates.Kubeconfig(serverUri!, issued), cancellationToken);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(kubeconfigFile.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }

                await Console.Out.WriteLineAsync($"wrote {kubeconfigFile.FullName} for {serverUri}");
            }

            return 0;
        });

        return new Command("certs", "Certificates for local runs and for clusters without cert-manager.") { generate };
    }
}
