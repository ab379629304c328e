namespace Flotilla.Tests.Support;

/// <summary>
/// A test that needs a real lab (root, network namespaces, nix, sshd). It runs when
/// FLOTILLA_LAB_TESTS=1 (CI sets it) and then fails if the lab cannot be made; without the
/// variable it is skipped with the reason.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class LabFactAttribute : FactAttribute
{
    public const string Variable = "FLOTILLA_LAB_TESTS";

    public LabFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(Variable) != "1")
        {
            Skip = $"lab tests need root, nix and sshd; set {Variable}=1 to run them";
        }
    }
}
