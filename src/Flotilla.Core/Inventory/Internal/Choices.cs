namespace Flotilla.Inventory.Internal;

/// <summary>The spellings accepted for the model's enumerations.</summary>
internal static class Choices
{
    public static readonly IReadOnlyDictionary<string, Platform> Platforms = new Dictionary<string, Platform>
    {
        ["nixos"] = Platform.NixOS,
        ["darwin"] = Platform.Darwin,
        ["home-manager"] = Platform.HomeManager,
    };

    public static readonly IReadOnlyDictionary<string, HostTransport> Transports = new Dictionary<string, HostTransport>
    {
        ["auto"] = HostTransport.Auto,
        ["ssh"] = HostTransport.Ssh,
        ["agent"] = HostTransport.Agent,
    };

    public static readonly IReadOnlyDictionary<string, DeployStrategy> Strategies = new Dictionary<string, DeployStrategy>
    {
        ["rolling"] = DeployStrategy.Rolling,
        ["blue-green"] = DeployStrategy.BlueGreen,
        ["recreate"] = DeployStrategy.Recreate,
    };

    public static readonly IReadOnlyDictionary<string, Criticality> Criticalities = new Dictionary<string, Criticality>
    {
        ["low"] = Criticality.Low,
        ["medium"] = Criticality.Medium,
        ["high"] = Criticality.High,
        ["critical"] = Criticality.Critical,
    };

    public static readonly IReadOnlyDictionary<string, ServiceTier> Tiers = new Dictionary<string, ServiceTier>
    {
        ["core"] = ServiceTier.Core,
        ["app"] = ServiceTier.App,
    };

    public static readonly IReadOnlyDictionary<string, HealthCheckKind> CheckKinds = new Dictionary<string, HealthCheckKind>
    {
        ["http"] = HealthCheckKind.Http,
        ["tcp"] = HealthCheckKind.Tcp,
        ["command"] = HealthCheckKind.Command,
    };

    public static readonly IReadOnlyDictionary<string, HealthCheckPhase> CheckPhases = new Dictionary<string, HealthCheckPhase>
    {
        ["startup"] = HealthCheckPhase.Startup,
        ["liveness"] = HealthCheckPhase.Liveness,
    };

    public static readonly IReadOnlyDictionary<string, KeyUploadAt> UploadTimes = new Dictionary<string, KeyUploadAt>
    {
        ["pre-activation"] = KeyUploadAt.PreActivation,
        ["post-activation"] = KeyUploadAt.PostActivation,
    };

    public static string Name<T>(IReadOnlyDictionary<string, T> choices, T value)
        where T : struct, Enum
    {
        foreach (var (name, choice) in choices)
        {
            if (EqualityComparer<T>.Default.Equals(choice, value))
            {
                return name;
            }
        }

        return value.ToString().ToLowerInvariant();
    }
}
