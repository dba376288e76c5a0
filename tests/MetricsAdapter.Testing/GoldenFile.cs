using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace MetricsAdapter.Testing;

/// <summary>
/// Golden-file comparison. A mismatch fails with a line diff; <c>UPDATE_GOLDEN=1</c> rewrites the file instead.
/// JSON is compared after normalising to indented form, so key order in the golden file is the output's order.
/// </summary>
public static class GoldenFile
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static bool Updating => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

    /// <summary>The golden directory <paramref name="relative"/> inside the calling test project's source folder.</summary>
    public static string Directory(string relative, [CallerFilePath] string callerFile = "")
    {
        var folder = Path.GetDirectoryName(callerFile)!;
        while (!File.Exists(Path.Combine(folder, Path.GetFileName(folder) + ".csproj")))
        {
            folder = Path.GetDirectoryName(folder) ?? throw new InvalidOperationException("No test project above " + callerFile);
        }

        return Path.Combine(folder, relative);
    }

    public static void AssertJson(string path, JsonNode actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        AssertText(path, actual.ToJsonString(Indented) + "\n");
    }

    public static void AssertText(string path, string actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        if (Updating)
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"Golden file {path} is missing; run the tests with UPDATE_GOLDEN=1 to create it, then review it.");
        var expected = File.ReadAllText(path);
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            Assert.Fail($"{path} differs (UPDATE_GOLDEN=1 refreshes it after review):\n{Diff(expected, actual)}");
        }
    }

    /// <summary>Fails on golden files that no test case produces any more.</summary>
    public static void AssertNoOrphans(string directory, IEnumerable<string> expectedFiles, string pattern = "*.json")
    {
        var expected = expectedFiles.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var existing = System.IO.Directory.Exists(directory)
            ? System.IO.Directory.EnumerateFiles(directory, pattern, SearchOption.AllDirectories).Select(Path.GetFullPath)
            : [];
        var orphans = existing.Where(file => !expected.Contains(file)).Order(StringComparer.Ordinal).ToList();
        if (Updating)
        {
            orphans.ForEach(File.Delete);
            return;
        }

        Assert.True(orphans.Count == 0, "Golden files without a test case (delete them or run with UPDATE_GOLDEN=1):\n" + string.Join('\n', orphans));
    }

    /// <summary>A compact line diff: each differing line with its number, expected (-) then actual (+).</summary>
    public static string Diff(string expected, string actual)
    {
        var left = expected.Split('\n');
        var right = actual.Split('\n');
        var output = new StringBuilder();
        var shown = 0;
        for (var i = 0; i < Math.Max(left.Length, right.Length) && shown < 40; i++)
        {
            var l = i < left.Length ? left[i] : null;
            var r = i < right.Length ? right[i] : null;
            if (string.Equals(l, r, StringComparison.Ordinal))
            {
                continue;
            }

            shown++;
            if (l is not null)
            {
                output.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i + 1,5} - {l}\n");
            }

            if (r is not null)
            {
                output.Append(System.Globalization.CultureInfo.InvariantCulture, $"{i + 1,5} + {r}\n");
            }
        }

        return output.ToString();
    }
}
