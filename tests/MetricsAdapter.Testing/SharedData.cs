namespace MetricsAdapter.Testing;

/// <summary>The repository root and the shared evaluation data next to it (<c>../shared/data</c>, also in CI).</summary>
public static class SharedData
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string DataDirectory { get; } = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot, "..", "shared", "data"));

    public static string Path(params string[] parts) => System.IO.Path.Combine([DataDirectory, .. parts]);

    private static string FindRoot()
    {
        var folder = AppContext.BaseDirectory;
        while (folder is not null && !File.Exists(System.IO.Path.Combine(folder, "MetricsAdapter.sln")))
        {
            folder = System.IO.Path.GetDirectoryName(folder);
        }

        return folder ?? throw new InvalidOperationException("MetricsAdapter.sln not found above " + AppContext.BaseDirectory);
    }
}
