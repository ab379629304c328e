using System.Collections.Immutable;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>
/// A host's container secrets as keys: each is decrypted on this machine (real <c>age</c>, or
/// <c>sops</c>) and goes over ssh's stdin into <c>SECRETSDIR/NAME</c> with the secret's mode,
/// owned by the container's user, before activation, as every key does: never an argument, an
/// environment variable, a log line or a store path. Stateless and thread safe.
/// </summary>
public static class ContainerSecrets
{
    /// <summary>The variable that names the <c>sops</c> program when it is not <c>sops</c> on the PATH.</summary>
    public const string SopsVariable = "FLOTILLA_SOPS";

    /// <summary>The <c>sops</c> program secrets in SOPS files are decrypted with, unless <see cref="DeployOptions.Sops"/> names one: <see cref="SopsVariable"/>, else <c>sops</c>.</summary>
    public static string SopsProgram => Environment.GetEnvironmentVariable(SopsVariable) is { Length: > 0 } program ? program : "sops";

    /// <summary>Where age identities are looked for, in order: this variable, SOPS's, then SOPS's default file.</summary>
    public const string IdentityVariable = "FLOTILLA_AGE_IDENTITY";

    /// <summary>The age identity file this machine decrypts with, or null when there is none.</summary>
    public static string? AgeIdentity()
    {
        foreach (var candidate in new[]
        {
            Environment.GetEnvironmentVariable(IdentityVariable),
            Environment.GetEnvironmentVariable("SOPS_AGE_KEY_FILE"),
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "sops", "age", "keys.txt"),
        })
        {
            if (!string.IsNullOrEmpty(candidate) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The host's own keys, then its containers' secrets as keys uploaded before activation.</summary>
    public static ImmutableArray<Key> KeysOf(Fleet fleet, Host host, string? ageIdentity, string? sops = null)
    {
        sops ??= SopsProgram;
        ArgumentNullException.ThrowIfNull(fleet);
        ArgumentNullException.ThrowIfNull(host);
        var keys = host.Keys.ToBuilder();
        var directory = fleet.SourcePath is { Length: > 0 } source ? Path.GetDirectoryName(Path.GetFullPath(source)) ?? "" : "";
        foreach (var service in fleet.Services.Where(s => s.Host == host.Name && s.Container is not null))
        {
            var container = service.Container!;
            var name = ContainerRun.NameOf(service);
            var (user, group) = Owner(container.User);
            foreach (var secret in container.Secrets)
            {
                var file = Path.IsPathRooted(secret.File) ? secret.File : Path.GetFullPath(secret.File, directory);
                keys.Add(new Key
                {
                    Name = secret.Name,
                    Source = secret.Format == SecretFormat.Plain ? KeySourceKind.File : KeySourceKind.Command,
                    Value = file,
                    CommandLine = secret.Format switch
                    {
                        SecretFormat.Age => ["age", "--decrypt", "--identity", ageIdentity ?? "", file],
                        SecretFormat.Sops when secret.SopsKey is { } key => [sops, "--decrypt", "--extract", SopsPath(key), file],
                        SecretFormat.Sops => [sops, "--decrypt", file],
                        _ => [],
                    },
                    // SOPS finds the age identity Flotilla found (a path, not the key itself).
                    CommandEnvironment = secret.Format == SecretFormat.Sops && ageIdentity is { Length: > 0 }
                        ? ImmutableDictionary<string, string>.Empty.Add("SOPS_AGE_KEY_FILE", ageIdentity)
                        : ImmutableDictionary<string, string>.Empty,
                    DestDir = ContainerRun.SecretsDirectory(name, container),
                    User = user,
                    Group = group,
                    Permissions = secret.Mode,
                    UploadAt = KeyUploadAt.PreActivation,
                    Origin = new Origin(service.Origin.File, secret.SourcePath),
                });
            }
        }

        return keys.ToImmutable();
    }

    /// <summary>What keeps a secret from being decrypted here, or null: an age secret with no identity, an encrypted file that is missing.</summary>
    public static string? Problem(Key key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.CommandLine is ["age", ..] && key.CommandLine[3].Length == 0)
        {
            return $"secret {key.Name} is age-encrypted and this machine has no age identity: set {IdentityVariable} (or SOPS_AGE_KEY_FILE) to the identity file, or put it in ~/.config/sops/age/keys.txt";
        }

        if (key.CommandLine is [_, "--decrypt", ..] && !File.Exists(key.CommandLine[^1]))
        {
            return $"secret {key.Name}: the encrypted file {key.CommandLine[^1]} does not exist";
        }

        return null;
    }

    /// <summary><c>nixarr/sonarr/api-key</c> as SOPS's <c>--extract</c> path <c>["nixarr"]["sonarr"]["api-key"]</c>.</summary>
    public static string SopsPath(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return string.Concat(key.Split('/').Select(part => "[\"" + part.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"]"));
    }

    /// <summary>A container's <c>UID:GID</c> (or name) as the owner of its secrets; root when it names none.</summary>
    private static (string User, string Group) Owner(string? user)
    {
        if (string.IsNullOrEmpty(user))
        {
            return ("root", "root");
        }

        var colon = user.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (user, user) : (user[..colon], user[(colon + 1)..]);
    }
}
