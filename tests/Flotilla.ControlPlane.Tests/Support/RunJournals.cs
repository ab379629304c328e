using Flotilla.Execution;
using Flotilla.Planning;

namespace Flotilla.Tests.Support;

/// <summary>Run journals for the server's tests, written as the CLI writes them.</summary>
internal static class RunJournals
{
    /// <summary>A rollback run of one host, journaled in <paramref name="stateDirectory"/> (ended, when <paramref name="endedBecause"/> says why); its id.</summary>
    public static async Task<string> RollbackAsync(string stateDirectory, string? endedBecause = null)
    {
        var fleet = new Flotilla.Inventory.Fleet
        {
            SourcePath = "fleet.json",
            Format = Flotilla.Inventory.InventoryFormat.Json,
            Hosts = [new Flotilla.Inventory.Host { Name = "web", Hostname = "web", Target = new Flotilla.Inventory.Target("192.0.2.1") }],
        };
        var plan = Planner.Build(fleet, Operation.Rollback, Selection.Everything).Plan!;
        await using var journal = await RunJournal.CreateAsync(stateDirectory, plan, new RunMetadata(Operation.Rollback, null));
        if (endedBecause is not null)
        {
            await journal.EndInterruptedAsync(endedBecause);
        }

        return journal.Id;
    }
}
