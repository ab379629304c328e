using System.Text.Json;
using Flotilla.Planning;

namespace Flotilla.Tests.Planning;

public sealed class StepKindTests
{
    public static TheoryData<StepKind> Kinds() => [.. Enum.GetValues<StepKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_reads_back_from_its_name(StepKind kind)
    {
        Assert.True(StepKinds.TryParse(kind.ToName(), out var read));
        Assert.Equal(kind, read);
        Assert.Equal(kind, StepKinds.Parse(kind.ToName()));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_is_its_name_in_json_and_reads_back(StepKind kind)
    {
        var json = JsonSerializer.Serialize(kind);

        Assert.Equal($"\"{kind.ToName()}\"", json);
        Assert.Equal(kind, JsonSerializer.Deserialize<StepKind>(json));
    }

    [Fact]
    public void The_names_are_the_ones_plans_and_journals_have_always_used()
    {
        Assert.Equal(
            ["build", "copy", "keys", "keys-post", "pull", "activate", "container", "verify", "gate", "terraform", "wait", "reboot", "rollback", "migrate", "unmigrate"],
            StepKinds.All.Select(k => k.ToName()));
        Assert.Equal(Enum.GetValues<StepKind>(), StepKinds.All);
    }

    [Theory]
    [InlineData("KeysPost")]
    [InlineData("Activate")]
    [InlineData("keys_post")]
    [InlineData("3")]
    [InlineData("")]
    [InlineData(null)]
    public void Only_the_names_themselves_read_as_kinds(string? name)
    {
        Assert.False(StepKinds.TryParse(name, out _));
    }

    [Theory]
    [InlineData("\"deploy-all\"", "unknown step kind \"deploy-all\" (this version of Flotilla knows build, copy, keys, keys-post,")]
    [InlineData("\"KeysPost\"", "unknown step kind \"KeysPost\"")]
    [InlineData("3", "a step kind is a string")]
    public void A_kind_that_is_not_a_name_is_a_json_error_that_names_it(string json, string message)
    {
        var error = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<StepKind>(json));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_name_does_not_parse_and_the_error_lists_the_known_ones()
    {
        var error = Assert.Throws<FormatException>(() => StepKinds.Parse("deploy-all"));

        Assert.Equal($"unknown step kind \"deploy-all\" (known: {StepKinds.KnownNames})", error.Message);
    }
}
