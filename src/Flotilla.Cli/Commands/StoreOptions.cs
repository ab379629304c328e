using System.CommandLine;
using Flotilla.ControlPlane.Store;

namespace Flotilla.Cli.Commands;

/// <summary><c>--data-dir</c> and <c>--database</c>: which control-plane store a command uses (as <c>flotilla serve</c>).</summary>
internal sealed class StoreOptions
{
    public const string DatabaseVariable = "FLOTILLA_DATABASE";

    public Option<string?> DataDirectory { get; } = new("--data-dir")
    {
        Description = "The server's data directory, holding its SQLite database (default: ~/.local/state/flotilla/server)",
        HelpName = "DIR",
    };

    public Option<string?> Database { get; } = new("--database")
    {
        Description = $"A PostgreSQL database instead of SQLite: postgres://USER[:PASSWORD]@HOST[:PORT]/DB (or set {DatabaseVariable}, which keeps a password out of argv)",
        HelpName = "URL",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(DataDirectory);
        command.Options.Add(Database);
    }

    public (string? DataDirectory, string? Database) Read(ParseResult parse) =>
        (parse.GetValue(DataDirectory), parse.GetValue(Database) ?? NullIfEmpty(Environment.GetEnvironmentVariable(DatabaseVariable)));

    public async Task<IControlPlaneStore?> OpenAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var (directory, database) = Read(parse);
        try
        {
            return await ControlPlaneStores.OpenAsync(directory is null ? null : Path.GetFullPath(directory, context.WorkingDirectory), database, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException or UnauthorizedAccessException or ArgumentException or UriFormatException or InvalidOperationException)
        {
            await context.Error.WriteLineAsync($"flotilla: cannot open the control plane's store ({database ?? directory ?? ControlPlaneStores.DefaultDataDirectory()}): {e.Message}").ConfigureAwait(false);
            return null;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
