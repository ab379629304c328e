namespace Flotilla.Lab.Internal;

/// <summary>The files of the repository's lab/ directory, embedded in this assembly.</summary>
internal static class LabResources
{
    public static async Task WriteAllAsync(string directory, string extension, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var assembly = typeof(LabResources).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("lab/", StringComparison.Ordinal) && n.EndsWith(extension, StringComparison.Ordinal)))
        {
            await WriteAsync(name["lab/".Length..], Path.Combine(directory, name["lab/".Length..]), cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task WriteAsync(string file, string destination, CancellationToken cancellationToken)
    {
        var assembly = typeof(LabResources).Assembly;
        await using var resource = assembly.GetManifestResourceStream("lab/" + file)
            ?? throw new LabException($"lab/{file} is not embedded in {assembly.GetName().Name}; rebuild Flotilla.Lab");
        await using var output = File.Create(destination);
        await resource.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
    }
}
