using System.Runtime.InteropServices;

namespace Flotilla.Security.Internal;

/// <summary>
/// The system's libxcrypt (<c>libcrypt.so.1</c>), through its reentrant entry points: every call
/// brings its own work area, so calls from many threads are safe.
/// </summary>
internal static unsafe partial class LibCrypt
{
    private const string Library = "libcrypt.so.1";

    /// <summary><c>sizeof(struct crypt_data)</c> in libxcrypt: the work area <c>crypt_rn</c> needs.</summary>
    public const int DataSize = 32768;

    /// <summary><c>CRYPT_GENSALT_OUTPUT_SIZE</c>.</summary>
    public const int GensaltOutputSize = 192;

    /// <summary>Returns a pointer into <paramref name="data"/>, or null when the setting is invalid.</summary>
    [LibraryImport(Library, EntryPoint = "crypt_rn")]
    public static partial byte* CryptRn(byte* phrase, byte* setting, void* data, int size);

    /// <summary>Writes a new setting (prefix, cost, salt from the kernel's random source) into <paramref name="output"/>.</summary>
    [LibraryImport(Library, EntryPoint = "crypt_gensalt_rn")]
    public static partial byte* CryptGensaltRn(byte* prefix, nuint count, byte* randomBytes, int randomByteCount, byte* output, int outputSize);
}
