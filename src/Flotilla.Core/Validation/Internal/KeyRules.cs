using Flotilla.Inventory;

namespace Flotilla.Validation.Internal;

/// <summary>
/// Keys that cannot be uploaded as written: a destination directory that is not absolute, or two
/// keys of one host written to the same file. (Malformed permissions are the loader's finding.)
/// </summary>
internal static class KeyRules
{
    public static void Check(Fleet fleet, Findings findings)
    {
        var files = new Dictionary<string, Key>(StringComparer.Ordinal);
        foreach (var host in fleet.Hosts)
        {
            if (host.Keys.IsEmpty)
            {
                continue;
            }

            files.Clear();
            foreach (var key in host.Keys)
            {
                if (!key.DestDir.StartsWith('/'))
                {
                    findings.Error(key.Origin, key.Origin.Of("destDir"),
                        $"key \"{key.Name}\" of host \"{host.Name}\" goes to \"{key.DestDir}\", which is not an absolute path",
                        "write destDir as an absolute path, such as \"/run/keys\"");
                    continue;
                }

                var file = key.DestDir.TrimEnd('/') + "/" + key.Name;
                if (!files.TryAdd(file, key))
                {
                    findings.Error(key.Origin, key.Origin.Path,
                        $"keys of host \"{host.Name}\" at {files[file].Origin.Path} and here both write {file}",
                        "give the keys different names or destination directories");
                }
            }
        }
    }
}
