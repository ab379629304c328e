# Home server 1: home automation.
{
  networking.hostName = "hsb1";
  lab.machine = {
    role = "home-automation";
    groups = [ "home" "automation" ];
    rebootOrder = 2;
    dependencies = [ "hsb0" ];
    healthChecks = [
      { type = "http"; url = "http://localhost:8123/"; }
      { type = "command"; command = "systemctl is-active --quiet home-assistant"; }
    ];
    orchestration = {
      deployStrategy = "rolling";
      rebootDelay = 60;
      criticalityLevel = "high";
    };
  };
  flotilla.machine.target = { address = "hsb1.lan"; user = "mba"; };
}
