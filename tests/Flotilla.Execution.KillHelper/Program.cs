using Flotilla.Execution;
using Flotilla.Execution.KillHelper;
using Flotilla.Inventory;
using Flotilla.Planning;

// A run that the journal tests kill with SIGKILL: it deploys hosts a and b (b needs a) into the
// state directory given, prints the run id, and hangs in activate:b after printing "hanging".
var fleet = new Fleet
{
    SourcePath = "fleet.json",
    Format = InventoryFormat.Json,
    Hosts =
    [
        new Host { Name = "a", Hostname = "a", Target = new Target("192.0.2.1") },
        new Host { Name = "b", Hostname = "b", Target = new Target("192.0.2.2"), DependsOn = ["a"] },
    ],
};
var plan = Planner.Build(fleet, Operation.Deploy, Selection.Everything).Plan!;
var journal = await RunJournal.CreateAsync(args[0], plan, new RunMetadata(Operation.Deploy, "fleet.json"));
Console.Out.Write(journal.Id + "\n");
Console.Out.Flush();
await new RunScheduler().RunAsync(plan, fleet, new HangingExecutor("activate:b"), new SchedulerOptions(), journal);
return 0;
