using System.Text.Json;
using System.Text.Json.Serialization;

namespace Flotilla.Planning;

/// <summary>What a plan step does (<see cref="PlanStep.Kind"/>). In JSON (plans, journals, events) its name: <see cref="StepKinds.ToName"/>.</summary>
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

/// <summary>The names of <see cref="StepKind"/>s, as plans, journals and step ids (<c>keys-post:web</c>) write them.</summary>
public static class StepKinds
{
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
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a step kind"),
    };

    /// <summary>A kind by its name (<c>keys-post</c>); false for a name no kind has.</summary>
    public static bool TryParse(string? name, out StepKind kind)
    {
        foreach (var candidate in Enum.GetValues<StepKind>())
        {
            if (candidate.ToName() == name)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}

/// <summary>Writes a <see cref="StepKind"/> as its name and reads it back; an unknown name is a <see cref="JsonException"/> that names it.</summary>
public sealed class StepKindJsonConverter : JsonConverter<StepKind>
{
    public override StepKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var name = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return StepKinds.TryParse(name, out var kind)
            ? kind
            : throw new JsonException($"\"{name}\" is not a step kind (build, copy, keys, keys-post, pull, activate, container, verify, gate, terraform, wait, reboot, rollback, migrate, unmigrate)");
    }

    public override void Write(Utf8JsonWriter writer, StepKind value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToName());
    }
}
