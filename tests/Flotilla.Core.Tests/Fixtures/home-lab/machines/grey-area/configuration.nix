{ config, lib, pkgs, ... }:
{
  networking.hostName = "grey-area";
  lab.machine = {
    role = "media-server";
    groups = [ "services" "media" ];
    rebootOrder = 2;
    dependencies = [ "sleeper-service" ];
    healthChecks = [
      { type = "http"; url = "http://localhost:8096/health"; }
      { type = "tcp"; port = 3000; }
    ];
    orchestration.rebootDelay = 300;
  };
}
