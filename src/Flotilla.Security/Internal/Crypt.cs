using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Flotilla.Security.Internal;

/// <summary>crypt(3) over libxcrypt with the password's bytes wiped after use. Thread safe.</summary>
internal static unsafe class Crypt
{
    /// <summary>Hashes <paramref name="password"/> with <paramref name="setting"/> (a setting or a whole hash); null when libxcrypt refuses the setting.</summary>
    public static string? Hash(ReadOnlySpan<char> password, string setting)
    {
        var phraseLength = Encoding.UTF8.GetByteCount(password);
        var phrase = new byte[phraseLength + 1];
        var settingBytes = Encoding.ASCII.GetBytes(setting + "\0");
        var data = (byte*)NativeMemory.AllocZeroed(LibCrypt.DataSize);
        try
        {
            Encoding.UTF8.GetBytes(password, phrase);
            fixed (byte* phrasePointer = phrase)
            fixed (byte* settingPointer = settingBytes)
            {
                var result = LibCrypt.CryptRn(phrasePointer, settingPointer, data, LibCrypt.DataSize);
                return result == null ? null : Marshal.PtrToStringUTF8((nint)result);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(phrase);
            NativeMemory.Clear(data, LibCrypt.DataSize);
            NativeMemory.Free(data);
        }
    }

    /// <summary>A new setting for <paramref name="prefix"/> (<c>$2b$</c>, <c>$y$</c>, <c>$6$</c>) with a salt from the kernel; 0 for libxcrypt's default cost.</summary>
    public static string NewSetting(string prefix, ulong cost)
    {
        var prefixBytes = Encoding.ASCII.GetBytes(prefix + "\0");
        var output = stackalloc byte[LibCrypt.GensaltOutputSize];
        fixed (byte* prefixPointer = prefixBytes)
        {
            var result = LibCrypt.CryptGensaltRn(prefixPointer, (nuint)cost, null, 0, output, LibCrypt.GensaltOutputSize);
            if (result == null)
            {
                throw new ArgumentException($"libxcrypt cannot make a {prefix} setting with cost {cost} (errno {Marshal.GetLastPInvokeError()})", nameof(cost));
            }

            return Marshal.PtrToStringUTF8((nint)result)!;
        }
    }

    /// <summary>Compares in time that depends only on the lengths, which are not secret.</summary>
    public static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
