using Flotilla.Processes;

namespace Flotilla.Core.Tests.Processes;

public sealed class ProcessRunnerTests
{
    [Fact]
    public async Task Standard_input_reaches_the_program_and_not_its_arguments()
    {
        var result = await ProcessRunner.RunAsync("sh", ["-c", "cat; echo \"args: $*\""], null, "secret\n", null);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("secret\nargs: \n", result.StandardOutput);
    }

    [Fact]
    public async Task Every_line_of_stdout_and_stderr_is_reported_as_it_arrives()
    {
        var lines = new List<string>();

        var result = await ProcessRunner.RunAsync("sh", ["-c", "echo one; echo two >&2; echo three"], null, null, line => { lock (lines) { lines.Add(line); } });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["one", "three", "two"], lines.Order());
        Assert.Equal("one\nthree\n", result.StandardOutput);
        Assert.Equal("two\n", result.StandardError);
    }

    [Fact]
    public async Task A_program_that_ignores_its_input_still_finishes()
    {
        var result = await ProcessRunner.RunAsync("true", [], null, new string('x', 1 << 20), null);

        Assert.Equal(0, result.ExitCode);
    }
}
