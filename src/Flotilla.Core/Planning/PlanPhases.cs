namespace Flotilla.Planning;

/// <summary>The values of <see cref="PlanStep.Phase"/>: plain deploys, NixMox's phases (seed 003) and reboots.</summary>
public static class PlanPhases
{
    public const string Build = "build";
    public const string Copy = "copy";
    public const string Keys = "keys";
    public const string Activate = "activate";
    public const string Gate = "gate";
    public const string Verify = "verify";
    public const string TerraformInfra = "tf:infra";
    public const string NixCore = "nix:core";
    public const string TerraformAuthCore = "tf:auth-core";
    public const string TerraformServiceInfra = "tf:service-infra";
    public const string NixServiceConfig = "nix:service-config";
    public const string TerraformServiceConfig = "tf:service-config";
    public const string Reboot = "reboot";
    public const string Rollback = "rollback";
}
