using System.Text;
using Flotilla.Diagnostics;

namespace Flotilla.Inventory.Internal;

/// <summary>Reads an inventory file as text, refusing what cannot be one: missing, huge or binary files.</summary>
internal static class InputFile
{
    public const long MaxBytes = 64L * 1024 * 1024;

    public static async Task<string> ReadTextAsync(string path, CancellationToken cancellationToken)
    {
        CheckReadable(path);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(path, $"cannot be read: {e.Message}", "check its permissions");
        }

        if (Array.IndexOf(bytes, (byte)0) >= 0)
        {
            throw Fail(path, "is a binary file, not an inventory", "point -f at a .nix, .json or .yaml file or a flake directory");
        }

        try
        {
            var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            throw Fail(path, "is not UTF-8 text", "save it as UTF-8");
        }
    }

    /// <summary>Fails with a clear message when the file is missing, a directory, or too large.</summary>
    public static void CheckReadable(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw Fail(path, Directory.Exists(path) ? "is a directory without flake.nix, flotilla.nix, flotilla.json or flotilla.yaml" : "does not exist", "check the path given to -f");
        }

        if (info.Length > MaxBytes)
        {
            throw Fail(path, $"is {info.Length / (1024 * 1024)} MiB; inventories larger than {MaxBytes / (1024 * 1024)} MiB are refused", "split it, or check that -f names the right file");
        }
    }

    public static InventoryException Fail(string path, string message, string hint) =>
        new(new Diagnostic(Severity.Error, path, "", message, hint));
}
