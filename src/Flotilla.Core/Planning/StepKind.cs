using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Flotilla.Contracts;

namespace Flotilla.Planning;

/// <summary>What a <see cref="PlanStep"/> does.</summary>
/// <remarks>
/// Plans, journals, <c>--json</c> events and the dashboard name the kinds with
/// <see cref="StepKinds.ToName"/> (<c>keys-post</c>), and so does JSON everywhere
/// (<see cref="StepKindJsonConverter"/>); step ids begin with the name (<c>activate:web01</c>).
/// </remarks>
[JsonConverter(typeof(StepKindJsonConverter))]
public enum StepKind
{
    Build,
    Copy,
    /// <summary>Uploads the host's keys that go up before activation.</summary>
    Keys,
    /// <summary>Uploads the host's keys that go up after activation.</summary>
    KeysPost,
    /// <summary>Makes the images of the host's containers present (pull, or load an image file) before activation.</summary>
    Pull,
    Activate,
    /// <summary>After activation, one container of the host: running and passing its own health checks (in its dependency order).</summary>
    Container,
    Verify,
    /// <summary>Joins many steps into one (<c>gate:core</c>: every core host is verified).</summary>
    Gate,
    Terraform,
    Wait,
    Reboot,
    /// <summary>Switches the host to its previous generation (<c>flotilla rollback</c>).</summary>
    Rollback,
    /// <summary>One service moves from its legacy NixOS unit to its container (<c>flotilla migrate</c>).</summary>
    Migrate,
    /// <summary>One migrated service goes back to its legacy NixOS unit (<c>flotilla migrate --rollback</c>).</summary>
    Unmigrate,
}

public static class StepKinds
{
    private static readonly EnumNames<StepKind> Names = new(ToName);

    /// <summary>Every kind, in declaration order.</summary>
    public static ImmutableArray<StepKind> All => Names.All;

    /// <summary>The name in plans, journals, events and step ids: build, copy, keys, keys-post, pull, activate, container, verify, gate, terraform, wait, reboot, rollback, migrate, unmigrate.</summary>
    public static string ToName(this StepKind kind) => kind switch
    {
        StepKind.Build => "build",
        StepKind.Copy => "copy",
        StepKind.Keys => "keys",
        StepKind.KeysPost => "keys-post",
        StepKind.Pull => "pull",
        StepKind.Activate => "activate",
        StepKind.Container => "container",
        StepKind.Verify => "verify",
        StepKind.Gate => "gate",
        StepKind.Terraform => "terraform",
        StepKind.Wait => "wait",
        StepKind.Reboot => "reboot",
        StepKind.Rollback => "rollback",
        StepKind.Migrate => "migrate",
        StepKind.Unmigrate => "unmigrate",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static StepKind Parse(string name) =>
        TryParse(name, out var kind) ? kind : throw new FormatException($"unknown step kind \"{name}\" (known: {KnownNames})");

    /// <summary>Reads a name written by <see cref="ToName"/> (exactly: no other case, no numbers).</summary>
    public static bool TryParse(string? name, out StepKind kind) => Names.TryParse(name, out kind);

    /// <summary>The names this version knows, for messages: <c>build, copy, ...</c>.</summary>
    public static string KnownNames => Names.KnownNames;

    /// <summary>For <see cref="StepKindJsonConverter"/>.</summary>
    internal static EnumNames<StepKind> Table => Names;
}
