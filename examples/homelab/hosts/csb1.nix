# Cloud server 1: the fleet dashboard (its /login page is its health check), behind csb0.
{
  networking.hostName = "csb1";
  lab.machine = {
    role = "cloud-apps";
    groups = [ "cloud" "dashboard" ];
    rebootOrder = 5;
    dependencies = [ "csb0" ];
    healthChecks = [
      { type = "http"; url = "http://localhost:8000/login"; }
    ];
    orchestration = {
      deployStrategy = "blue-green";
      rebootDelay = 300;
      criticalityLevel = "high";
    };
  };
  flotilla.machine.target = { address = "cs1.barta.cm"; user = "mba"; port = 2222; };
}
