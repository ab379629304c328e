using Flotilla.Inventory;
using Flotilla.Processes;

namespace Flotilla.Tests;

public sealed class FlakeMachinesTests
{
    [Theory]
    [InlineData("plain.lan")]
    [InlineData("quote\" and backslash\\")]
    [InlineData("antiquotation ${builtins.throw \"evaluated\"} and $${x}")]
    [InlineData("lines\nand\ttabs\r")]
    public async Task A_value_written_into_the_nix_file_reads_back_as_itself(string value)
    {
        var read = await ProcessRunner.RunAsync("nix-instantiate", ["--eval", "--json", "--expr", FlakeMachines.Quote(value)]);

        Assert.True(read.ExitCode == 0, read.StandardError);
        Assert.Equal(value, System.Text.Json.JsonSerializer.Deserialize<string>(read.StandardOutput));
    }
}
