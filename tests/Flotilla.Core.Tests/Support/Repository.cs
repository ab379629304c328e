namespace Flotilla.Tests.Support;

/// <summary>Finds files of this repository (examples, docs) from a test's output directory.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Flotilla.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Flotilla.slnx not found above " + AppContext.BaseDirectory);
    }
}
