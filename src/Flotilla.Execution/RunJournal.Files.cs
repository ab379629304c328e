using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Flotilla.Execution.Internal;
using Flotilla.Planning;

namespace Flotilla.Execution;

/// <summary>Making, reading back and listing runs.</summary>
public sealed partial class RunJournal
{
    /// <summary><c>$XDG_STATE_HOME/flotilla</c>, else <c>~/.local/state/flotilla</c>.</summary>
    public static string DefaultStateDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        return Path.IsPathFullyQualified(xdg ?? "")
            ? Path.Combine(xdg!, "flotilla")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "flotilla");
    }

    public static string RunsDirectory(string stateDirectory) => Path.Combine(stateDirectory, "runs");

    public static async Task<RunJournal> CreateAsync(string stateDirectory, Plan plan, RunMetadata metadata, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(metadata);
        var started = (timeProvider ?? TimeProvider.System).GetUtcNow();
        var runs = RunsDirectory(stateDirectory);
        Directory.CreateDirectory(runs);
        string id, directory;
        if (metadata.Id is { } chosen)
        {
            id = chosen;
            directory = Path.Combine(runs, id);
            if (!RunIds.IsSafe(id) || Directory.Exists(directory))
            {
                throw new RunJournalException($"the run id \"{id}\" is taken or not a run id in {runs}; take a new one with RunJournal.NewId");
            }
        }
        else
        {
            do
            {
                id = RunIds.New(started);
                directory = Path.Combine(runs, id);
            }
            while (Directory.Exists(directory));
        }

        Directory.CreateDirectory(Path.Combine(directory, LogsDirectory));
        var info = new RunInfo(id, metadata.Operation, metadata.InventoryPath, metadata.Selection, metadata.Options, started) { StartedBy = metadata.StartedBy };
        await DurableFile.WriteAllTextAsync(Path.Combine(directory, PlanFile), PlanRenderer.Render(plan, PlanFormat.Json), cancellationToken).ConfigureAwait(false);
        await DurableFile.WriteAllTextAsync(Path.Combine(directory, RunFile), JsonSerializer.Serialize(info, RunJsonContext.Default.RunInfo) + "\n", cancellationToken).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(directory, EventsFile), [], cancellationToken).ConfigureAwait(false);
        return new RunJournal(directory, info, plan, null);
    }

    /// <summary>An id no run of <paramref name="stateDirectory"/> has yet, for a run that must be named before its journal exists (in its lease); pass it as <see cref="RunMetadata.Id"/>.</summary>
    public static string NewId(string stateDirectory, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        var now = (timeProvider ?? TimeProvider.System).GetUtcNow();
        string id;
        do
        {
            id = RunIds.New(now);
        }
        while (Directory.Exists(Path.Combine(RunsDirectory(stateDirectory), id)));
        return id;
    }

    /// <summary>Reads a run back (for <c>runs show</c> and <c>deploy --resume</c>); appending to it continues its journal.</summary>
    public static async Task<RunJournal> OpenAsync(string stateDirectory, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        ArgumentNullException.ThrowIfNull(runId);
        var directory = Path.Combine(RunsDirectory(stateDirectory), runId);
        if (!RunIds.IsSafe(runId) || !File.Exists(Path.Combine(directory, RunFile)))
        {
            throw new RunJournalException($"there is no run \"{runId}\" in {RunsDirectory(stateDirectory)}; `flotilla runs` lists the runs there");
        }

        var info = await ReadJsonAsync(Path.Combine(directory, RunFile), RunJsonContext.Default.RunInfo, cancellationToken).ConfigureAwait(false)
            ?? throw new RunJournalException($"{Path.Combine(directory, RunFile)} is empty; the run cannot be shown or resumed");
        var planFile = Path.Combine(directory, PlanFile);
        var plan = PlanReader.Read(await File.ReadAllTextAsync(planFile, cancellationToken).ConfigureAwait(false), planFile);
        var resultFile = Path.Combine(directory, ResultFile);
        var result = File.Exists(resultFile) ? await ReadJsonAsync(resultFile, RunJsonContext.Default.RunResult, cancellationToken).ConfigureAwait(false) : null;
        var journal = new RunJournal(directory, info, plan, result);
        var eventsFile = Path.Combine(directory, EventsFile);
        foreach (var runEvent in await EventLog.ReadAsync(eventsFile, eventsFile, cancellationToken).ConfigureAwait(false))
        {
            journal.Apply(runEvent);
        }

        return journal;
    }

    /// <summary>Every readable run under the state directory, oldest first; unreadable directories are left out.</summary>
    public static async Task<IReadOnlyList<RunListing>> ListAsync(string stateDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        var runs = RunsDirectory(stateDirectory);
        if (!Directory.Exists(runs))
        {
            return [];
        }

        var listings = new List<RunListing>();
        foreach (var id in Directory.EnumerateDirectories(runs).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            try
            {
                await using var journal = await OpenAsync(stateDirectory, id!, cancellationToken).ConfigureAwait(false);
                var result = journal.Result;
                listings.Add(new RunListing(
                    journal.Id,
                    journal.Info.Operation,
                    journal.Info.Started,
                    result?.Finished,
                    StepCounts.Of(journal.Steps.Select(s => s.State)),
                    result is null ? RunStatus.Unfinished : RunExitCodes.ToStatus(result.ExitCode))
                {
                    StartedBy = journal.Info.StartedBy,
                });
            }
            catch (Exception e) when (e is RunJournalException or IOException or JsonException or UnauthorizedAccessException)
            {
            }
        }

        return listings;
    }

    /// <summary>The most a journal brought in by <see cref="ImportAsync"/> may hold, all files together (characters).</summary>
    public const int MaxImportedCharacters = 16 * 1024 * 1024;

    /// <summary>The files a journal is made of, as <see cref="ImportAsync"/> takes them.</summary>
    public static IReadOnlyList<string> JournalFiles { get; } = [PlanFile, RunFile, EventsFile, ResultFile];

    /// <summary>
    /// Keeps a journal that another machine wrote (<c>deploy --server</c> pushes its run to the
    /// server): its files are checked (names, size, the run's id, a plan, events and result that
    /// read back) in a scratch directory, then it takes the place of the run of that id, if any, at
    /// once. Its step logs stay where the run was made.
    /// </summary>
    public static async Task ImportAsync(string stateDirectory, string runId, IReadOnlyDictionary<string, string> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentNullException.ThrowIfNull(files);
        if (!RunIds.IsSafe(runId))
        {
            throw new RunJournalException($"\"{runId}\" is not a run id (letters, digits, - and _, at most 64)");
        }

        if (files.Keys.FirstOrDefault(name => !JournalFiles.Contains(name)) is { } unknown)
        {
            throw new RunJournalException($"a run's journal has no file \"{unknown}\"; it is made of {string.Join(", ", JournalFiles)}");
        }

        if (!files.ContainsKey(PlanFile) || !files.ContainsKey(RunFile))
        {
            throw new RunJournalException($"a run's journal needs {PlanFile} and {RunFile}");
        }

        if (files.Values.Sum(f => (long)f.Length) > MaxImportedCharacters)
        {
            throw new RunJournalException($"the journal is larger than {MaxImportedCharacters / (1024 * 1024)} MiB");
        }

        var runs = RunsDirectory(stateDirectory);
        Directory.CreateDirectory(runs);
        // Names starting with '.' are not run ids: listings never see the scratch directories.
        var scratch = Path.Combine(runs, ".import-" + Guid.NewGuid().ToString("N"));
        var old = scratch + "-old";
        try
        {
            Directory.CreateDirectory(Path.Combine(scratch, LogsDirectory));
            foreach (var (name, text) in files)
            {
                await DurableFile.WriteAllTextAsync(Path.Combine(scratch, name), text, cancellationToken).ConfigureAwait(false);
            }

            if (!files.ContainsKey(EventsFile))
            {
                await File.WriteAllBytesAsync(Path.Combine(scratch, EventsFile), [], cancellationToken).ConfigureAwait(false);
            }

            var info = await ReadJsonAsync(Path.Combine(scratch, RunFile), RunJsonContext.Default.RunInfo, cancellationToken).ConfigureAwait(false);
            if (info?.Id != runId)
            {
                throw new RunJournalException($"{RunFile} names run \"{info?.Id}\", not \"{runId}\"");
            }

            PlanReader.Read(files[PlanFile], PlanFile);
            await EventLog.ReadAsync(Path.Combine(scratch, EventsFile), EventsFile, cancellationToken).ConfigureAwait(false);
            if (files.ContainsKey(ResultFile))
            {
                await ReadJsonAsync(Path.Combine(scratch, ResultFile), RunJsonContext.Default.RunResult, cancellationToken).ConfigureAwait(false);
            }

            var target = Path.Combine(runs, runId);
            if (Directory.Exists(target))
            {
                Directory.Move(target, old);
            }

            Directory.Move(scratch, target);
        }
        catch (JsonException e)
        {
            throw new RunJournalException($"the journal of run {runId} does not read back: {e.Message}", e);
        }
        finally
        {
            foreach (var left in (string[])[scratch, old])
            {
                if (Directory.Exists(left))
                {
                    Directory.Delete(left, recursive: true);
                }
            }
        }
    }

    /// <summary>The files of a run's journal as <see cref="ImportAsync"/> takes them (those that exist).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ExportAsync(string stateDirectory, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stateDirectory);
        var directory = Path.Combine(RunsDirectory(stateDirectory), runId);
        if (!RunIds.IsSafe(runId) || !File.Exists(Path.Combine(directory, RunFile)))
        {
            throw new RunJournalException($"there is no run \"{runId}\" in {RunsDirectory(stateDirectory)}");
        }

        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in JournalFiles)
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                files[name] = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            }
        }

        return files;
    }

    private static async Task<T?> ReadJsonAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw new RunJournalException($"{path} is not valid JSON ({e.Message}); the run cannot be shown or resumed", e);
        }
    }
}
