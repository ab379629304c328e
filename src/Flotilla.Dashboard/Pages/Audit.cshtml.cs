using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Flotilla.Dashboard.Pages;

internal sealed class AuditModel(IAuditLog audit) : PageModel
{
    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Entries = await audit.ListAsync(500, cancellationToken);
}
