using System.Security.Cryptography;

namespace MetricsAdapter.ApiServer.Serving;

/// <summary>
/// Whether a file's content changed, by its SHA-256. Not by its time: Kubernetes mounts Secrets and ConfigMaps as
/// symlinks (<c>tls.crt → ..data/tls.crt</c>) and rotates them by swapping the <c>..data</c> link, which leaves the
/// time of the link a file's path names unchanged. Reading follows the links; these files are a few kilobytes.
/// </summary>
public static class FileContent
{
    /// <summary>The digest of the file's content; null when no file is named.</summary>
    /// <exception cref="IOException">The file cannot be read now (mid-rotation, removed).</exception>
    public static string? Digest(string? path) =>
        path is { Length: > 0 } ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))) : null;
}
