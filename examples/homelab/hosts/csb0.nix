# Cloud server 0: reverse proxy and public services.
{
  networking.hostName = "csb0";
  lab.machine = {
    role = "cloud-proxy";
    groups = [ "cloud" "infrastructure" ];
    rebootOrder = 4;
    dependencies = [ ];
    healthChecks = [
      { type = "tcp"; port = 443; }
    ];
    orchestration = {
      deployStrategy = "rolling";
      rebootDelay = 300;
      criticalityLevel = "high";
    };
  };
  flotilla.machine.target = { address = "cs0.barta.cm"; user = "mba"; port = 2222; };
}
