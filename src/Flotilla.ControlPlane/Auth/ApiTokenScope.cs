namespace Flotilla.ControlPlane.Auth;

/// <summary>
/// What an API token may do; each scope includes the ones before it. Tokens are for automation:
/// a token used beyond its scope gets 403.
/// </summary>
public enum ApiTokenScope
{
    /// <summary>Read hosts, commands and output; send nothing.</summary>
    Read,

    /// <summary>Also send the fixed ops (pull, switch, test, rollback, reboot, restart-agent) and kill commands. The default.</summary>
    Ops,

    /// <summary>Also send arbitrary commands (op exec), when the server allows them (--allow-commands).</summary>
    Exec,
}

public static class ApiTokenScopes
{
    /// <summary>The scope's name as the CLI and the store spell it: read, ops, exec.</summary>
    public static string ToName(this ApiTokenScope scope) => scope switch
    {
        ApiTokenScope.Read => "read",
        ApiTokenScope.Exec => "exec",
        _ => "ops",
    };

    public static bool TryParse(string? name, out ApiTokenScope scope)
    {
        (var known, scope) = name switch
        {
            "read" => (true, ApiTokenScope.Read),
            "ops" => (true, ApiTokenScope.Ops),
            "exec" => (true, ApiTokenScope.Exec),
            _ => (false, ApiTokenScope.Read),
        };
        return known;
    }
}
