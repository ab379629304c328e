using System.CommandLine;
using Flotilla.ControlPlane.Store;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>--data-dir</c>, <c>--database</c> and <c>--database-file</c>: which control-plane store a
/// command uses (as <c>flotilla serve</c>). The PostgreSQL URL may hold a password: from a file
/// (<c>--database-file</c>, <c>FLOTILLA_DATABASE_FILE</c>) it is in neither argv nor the environment.
/// </summary>
internal sealed class StoreOptions
{
    public const string DatabaseVariable = "FLOTILLA_DATABASE";
    public const string DatabaseFileVariable = "FLOTILLA_DATABASE_FILE";

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

    public Option<string?> DatabaseFile { get; } = new("--database-file")
    {
        Description = $"A file holding the PostgreSQL URL --database takes, so that its password is in neither argv nor the environment (or {DatabaseFileVariable})",
        HelpName = "PATH",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(DataDirectory);
        command.Options.Add(Database);
        command.Options.Add(DatabaseFile);
    }

    /// <summary>
    /// The data directory and the PostgreSQL URL, if any: <c>--database</c>, else the file of
    /// <c>--database-file</c>, else <c>FLOTILLA_DATABASE</c>, else the file of
    /// <c>FLOTILLA_DATABASE_FILE</c>. Null, after saying why on standard error, when both options
    /// are given or the file cannot be read or is empty.
    /// </summary>
    public async Task<StoreChoice?> ReadAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        var directory = parse.GetValue(DataDirectory);
        var url = parse.GetValue(Database);
        var file = parse.GetValue(DatabaseFile);
        if (url is not null && file is not null)
        {
            await context.Error.WriteLineAsync("flotilla: --database and --database-file both name the database; give one of them").ConfigureAwait(false);
            return null;
        }

        if (url is null && file is null)
        {
            url = NullIfEmpty(Environment.GetEnvironmentVariable(DatabaseVariable));
            if (url is null && NullIfEmpty(Environment.GetEnvironmentVariable(DatabaseFileVariable)) is { } fromEnvironment)
            {
                file = fromEnvironment;
            }
        }

        if (url is null && file is not null)
        {
            var path = Path.GetFullPath(file, context.WorkingDirectory);
            try
            {
                url = NullIfEmpty((await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false)).Trim());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await context.Error.WriteLineAsync($"flotilla: cannot read the database file {path}: {e.Message}; check the path and its permissions").ConfigureAwait(false);
                return null;
            }

            if (url is null)
            {
                await context.Error.WriteLineAsync($"flotilla: the database file {path} is empty; write the PostgreSQL URL in it (postgres://USER:PASSWORD@HOST[:PORT]/DB)").ConfigureAwait(false);
                return null;
            }
        }

        return new StoreChoice(directory, url);
    }

    public async Task<IControlPlaneStore?> OpenAsync(CliContext context, ParseResult parse, CancellationToken cancellationToken)
    {
        if (await ReadAsync(context, parse, cancellationToken).ConfigureAwait(false) is not { } choice)
        {
            return null;
        }

        var (directory, database) = choice;
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

/// <summary>Where the control plane's store is: a data directory (SQLite) and/or a PostgreSQL URL.</summary>
internal sealed record StoreChoice(string? DataDirectory, string? Database);
