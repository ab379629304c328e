# As Home-lab's documentation writes sleeper-service's metadata; networking.hostName is left
# commented out, as in Home-lab's own configuration.nix.
{ config, lib, pkgs, ... }:
{
  # networking.hostName = "sleeper-service";
  lab.machine = {
    role = "application-server";
    groups = [ "infrastructure" "backend" ];
    rebootOrder = 1;
    dependencies = [ ];
    healthChecks = [
      { type = "http"; url = "http://localhost:80/health"; }
      { type = "tcp"; port = 5432; }
    ];
    orchestration = {
      deployStrategy = "rolling";
      rebootDelay = 0;
      criticalityLevel = "high";
    };
  };
}
