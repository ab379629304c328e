namespace Flotilla.Inventory;

public enum Platform
{
    NixOS,
    Darwin,
    HomeManager,
}

public enum DeployStrategy
{
    Rolling,
    BlueGreen,
    Recreate,
}

public enum Criticality
{
    Low,
    Medium,
    High,
    Critical,
}

public enum ServiceTier
{
    Core,
    App,
}

public enum HealthCheckKind
{
    Http,
    Tcp,
    Command,
}

/// <summary>Startup checks gate a deploy once; liveness checks keep running afterwards.</summary>
public enum HealthCheckPhase
{
    Startup,
    Liveness,
}

public enum KeySourceKind
{
    Text,
    File,
    Command,
}

public enum KeyUploadAt
{
    PreActivation,
    PostActivation,
}

/// <summary>How the engine reaches a host: <c>transport = "ssh" | "agent"</c>; unset: through its agent when one is connected to the run's server, else over SSH.</summary>
public enum HostTransport
{
    Auto,
    Ssh,
    Agent,
}
