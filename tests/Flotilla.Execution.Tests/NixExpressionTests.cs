using Flotilla.Execution.Internal;
using Flotilla.Processes;

namespace Flotilla.Execution.Tests;

public sealed class NixExpressionTests
{
    [Theory]
    [InlineData("host-1")]
    [InlineData("a\"b")]
    [InlineData("${builtins.abort \"injected\"}")]
    [InlineData("$${x}")]
    [InlineData("back\\slash\\")]
    [InlineData("line\nbreak\ttab")]
    [InlineData("'' ${ \" ünïcødé")]
    public async Task A_string_literal_evaluates_to_the_value_itself(string value)
    {
        var result = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command", "eval", "--raw", "--expr", NixExpression.String(value)]);

        Assert.True(result.ExitCode == 0, result.StandardError);
        Assert.Equal(value, result.StandardOutput);
    }

    [Fact]
    public void An_attribute_path_splits_on_dots_outside_quotes() =>
        Assert.Equal(["nixosConfigurations", "a.b", "config"], NixExpression.SplitAttributePath("nixosConfigurations.\"a.b\".config"));

    [Theory]
    [InlineData("a..b")]
    [InlineData("a.\"b")]
    [InlineData("")]
    public void A_malformed_attribute_path_is_refused(string path) =>
        Assert.Throws<ArgumentException>(() => NixExpression.SplitAttributePath(path));
}
