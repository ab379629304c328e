using Flotilla.Dashboard;
using Flotilla.Security;

namespace Flotilla.ControlPlane.Store;

/// <summary>
/// What the dashboard keeps in the control plane's database, so that it survives a restart and is
/// shared by servers on one PostgreSQL: login sessions (by the hash of their token), the audit log
/// and each account's last used TOTP step (a code is refused a second time, also after a restart).
/// </summary>
public interface IDashboardStore : ISessionStore, IAuditLog, ITotpStepStore;
