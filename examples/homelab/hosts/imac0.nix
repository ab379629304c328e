# iMac (macOS, home-manager), reached by its address.
{
  lab.machine = {
    role = "workstation";
    groups = [ "macos" "workstation" ];
    rebootOrder = 11;
    dependencies = [ ];
    healthChecks = [ ];
    orchestration = {
      deployStrategy = "rolling";
      rebootDelay = 0;
      criticalityLevel = "low";
    };
  };
  flotilla.machine.target = { address = "192.168.1.150"; user = "markus"; };
}
