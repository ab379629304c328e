# Gaming PC: a desktop; reboots last and may take its time.
{
  networking.hostName = "gpc0";
  lab.machine = {
    role = "desktop";
    groups = [ "home" "desktop" ];
    rebootOrder = 6;
    dependencies = [ "hsb0" ];
    healthChecks = [ ];
    orchestration = {
      deployStrategy = "recreate";
      rebootDelay = 0;
      criticalityLevel = "low";
    };
  };
  flotilla.machine.target = { address = "gpc0.lan"; user = "mba"; };
}
