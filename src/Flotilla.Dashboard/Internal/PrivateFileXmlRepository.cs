using System.Text;
using System.Xml.Linq;
using Flotilla.Security;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Flotilla.Dashboard.Internal;

/// <summary>
/// Data protection keys in a directory, one XML file each, as ASP.NET's file system repository
/// keeps them, but private whatever the umask: the directory is created 0700 and every key file
/// written 0600 (the keys sign antiforgery tokens). Thread safe.
/// </summary>
internal sealed class PrivateFileXmlRepository(string directory) : IXmlRepository
{
    private readonly Lock _lock = new();

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (_lock)
        {
            if (!Directory.Exists(directory))
            {
                return [];
            }

            return [.. Directory.EnumerateFiles(directory, "*.xml").Order(StringComparer.Ordinal).Select(XElement.Load)];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var name = IsSafe(friendlyName) ? friendlyName : Guid.NewGuid().ToString();
        lock (_lock)
        {
            PrivateFiles.CreateDirectory(directory);
            PrivateFiles.Write(Path.Combine(directory, name + ".xml"), Encoding.UTF8.GetBytes(element.ToString(SaveOptions.DisableFormatting)));
        }
    }

    private static bool IsSafe(string name) =>
        name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
