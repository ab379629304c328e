{ config, lib, pkgs, ... }:
{
  networking.hostName = "reverse-proxy";
  lab.machine = {
    role = "reverse-proxy";
    groups = [ "edge" ];
    rebootOrder = 3;
    dependencies = [ "grey-area" ];
    healthChecks = [ { type = "tcp"; port = 443; } ];
  };
}
