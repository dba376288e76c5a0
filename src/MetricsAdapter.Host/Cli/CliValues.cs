namespace MetricsAdapter.Host.Cli;

/// <summary>How list options are read, the Kubernetes way: repeatable, and each value comma-separated.</summary>
internal static class CliValues
{
    /// <summary>Every item of every value, trimmed, empty items dropped: <c>--x a,b --x c</c> is a, b, c.</summary>
    public static string[] SplitList(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}

/// <summary>Reports on the calling thread, in order (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class SynchronousProgress(Action<string> report) : IProgress<string>
{
    public void Report(string value) => report(value);
}

internal static class CliOutput
{
    /// <summary>Writes one line to stderr and returns the exit code to end with.</summary>
    public static async Task<int> FailAsync(string message, int code)
    {
        await Console.Error.WriteLineAsync(message);
        return code;
    }
}
