namespace Flotilla.Planning;

/// <summary>The values of <see cref="PlanStep.Kind"/>.</summary>
public static class StepKinds
{
    public const string Build = "build";
    public const string Copy = "copy";
    /// <summary>Uploads the host's keys that go up before activation.</summary>
    public const string Keys = "keys";
    /// <summary>Uploads the host's keys that go up after activation.</summary>
    public const string KeysPost = "keys-post";
    /// <summary>Makes the images of the host's containers present (pull, or load an image file) before activation.</summary>
    public const string Pull = "pull";
    public const string Activate = "activate";
    /// <summary>After activation, one container of the host: running and passing its own health checks (in its dependency order).</summary>
    public const string Container = "container";
    public const string Verify = "verify";
    /// <summary>Joins many steps into one (<c>gate:core</c>: every core host is verified).</summary>
    public const string Gate = "gate";
    public const string Terraform = "terraform";
    public const string Wait = "wait";
    public const string Reboot = "reboot";
    /// <summary>Switches the host to its previous generation (<c>flotilla rollback</c>).</summary>
    public const string Rollback = "rollback";
    /// <summary>One service moves from its legacy NixOS unit to its container (<c>flotilla migrate</c>).</summary>
    public const string Migrate = "migrate";
    /// <summary>One migrated service goes back to its legacy NixOS unit (<c>flotilla migrate --rollback</c>).</summary>
    public const string Unmigrate = "unmigrate";
}
