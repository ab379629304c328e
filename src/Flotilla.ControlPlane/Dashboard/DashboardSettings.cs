using Flotilla.Dashboard;
using Flotilla.Security;

namespace Flotilla.ControlPlane.Dashboard;

/// <summary>
/// The dashboard served by <c>flotilla serve</c>: who may log in (<see cref="Credentials"/>, from
/// <see cref="CredentialLoader"/>) and how it behaves. Set <see cref="ControlPlaneOptions.Dashboard"/>
/// to serve it; its sessions, audit log and TOTP steps then live in the control plane's store.
/// </summary>
public sealed record DashboardSettings(CredentialSettings Credentials, Action<DashboardOptions>? Configure = null);
