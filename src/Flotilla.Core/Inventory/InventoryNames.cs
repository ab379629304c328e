using Flotilla.Inventory.Internal;

namespace Flotilla.Inventory;

/// <summary>The names the inventory formats use for the model's enumerations (<c>home-manager</c>, <c>blue-green</c>...).</summary>
public static class InventoryNames
{
    public static string ToInventoryName(this Platform value) => Choices.Name(Choices.Platforms, value);
    public static string ToInventoryName(this DeployStrategy value) => Choices.Name(Choices.Strategies, value);
    public static string ToInventoryName(this Criticality value) => Choices.Name(Choices.Criticalities, value);
    public static string ToInventoryName(this ServiceTier value) => Choices.Name(Choices.Tiers, value);
    public static string ToInventoryName(this HealthCheckKind value) => Choices.Name(Choices.CheckKinds, value);
    public static string ToInventoryName(this HealthCheckPhase value) => Choices.Name(Choices.CheckPhases, value);
    public static string ToInventoryName(this KeyUploadAt value) => Choices.Name(Choices.UploadTimes, value);
}
