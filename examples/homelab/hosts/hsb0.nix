# Home server 0: DNS and DHCP for the home network; everything at home needs it.
{
  networking.hostName = "hsb0";
  lab.machine = {
    role = "dns-dhcp";
    groups = [ "home" "infrastructure" ];
    rebootOrder = 1;
    dependencies = [ ];
    healthChecks = [
      { type = "tcp"; port = 53; }
      { type = "http"; url = "http://localhost:3000/"; }
    ];
    orchestration = {
      deployStrategy = "rolling";
      rebootDelay = 0;
      criticalityLevel = "critical";
    };
  };
  flotilla.machine.target = { address = "hsb0.lan"; user = "mba"; };
}
