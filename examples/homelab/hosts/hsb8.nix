# Home server 8: a server at the parents' place, reached through the home DNS.
{
  networking.hostName = "hsb8";
  lab.machine = {
    role = "remote-home-server";
    groups = [ "home" "remote" ];
    rebootOrder = 3;
    dependencies = [ "hsb0" ];
    healthChecks = [
      { type = "tcp"; port = 22; }
    ];
    orchestration = {
      deployStrategy = "rolling";
      rebootDelay = 120;
      criticalityLevel = "medium";
    };
  };
  flotilla.machine.target = { address = "hsb8.lan"; user = "mba"; };
}
