using System.Globalization;
using System.Text;

namespace MetricsAdapter.Host.Tests;

/// <summary>A process started by another, as Linux's /proc describes it.</summary>
internal sealed record ChildProcess(int Id, string CommandLine, IReadOnlyDictionary<string, string> Environment);

/// <summary>Reads /proc to find a process's children: the demo's supervised processes.</summary>
internal static class ChildProcesses
{
    public static IReadOnlyList<ChildProcess> Of(int parentId)
    {
        var children = new List<ChildProcess>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            try
            {
                // stat is "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) != parentId)
                {
                    continue;
                }

                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ').Trim();
                var environment = Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(directory, "environ")))
                    .Split('\0', StringSplitOptions.RemoveEmptyEntries)
                    .Select(pair => pair.Split('=', 2))
                    .Where(pair => pair.Length == 2)
                    .GroupBy(pair => pair[0], StringComparer.Ordinal)
                    .ToDictionary(group => group.Key, group => group.First()[1], StringComparer.Ordinal);
                children.Add(new ChildProcess(id, commandLine, environment));
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process went away while it was read.
            }
        }

        return children;
    }

    public static bool IsRunning(int id) => File.Exists($"/proc/{id.ToString(CultureInfo.InvariantCulture)}/stat");
}
