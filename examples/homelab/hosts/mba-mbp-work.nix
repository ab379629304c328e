# Work laptop (macOS, home-manager).
{
  lab.machine = {
    role = "workstation";
    groups = [ "macos" "workstation" ];
    rebootOrder = 10;
    dependencies = [ ];
    healthChecks = [ ];
    orchestration = {
      deployStrategy = "rolling";
      rebootDelay = 0;
      criticalityLevel = "low";
    };
  };
  flotilla.machine.target = { address = "mba-mbp-work.local"; user = "mba"; };
}
