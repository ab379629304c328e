using Flotilla.Execution;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Flotilla.Dashboard.Pages;

internal sealed class RunsModel(IRunSource runs, IRunLauncher launcher) : PageModel
{
    public bool CanStart => launcher.Unavailable is null;

    public IReadOnlyList<RunListing> Runs { get; private set; } = [];

    public string StateDirectory => runs is JournalRunSource journals ? RunJournal.RunsDirectory(journals.StateDirectory) : "the state directory";

    public async Task OnGetAsync(CancellationToken cancellationToken) => Runs = await runs.ListAsync(cancellationToken);
}
