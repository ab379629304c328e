{ config, lib, pkgs, ... }:
{
  networking.hostName = "congenital-optimist";
  lab.machine = {
    role = "workstation";
    groups = [ "workstations" ];
    rebootOrder = 4;
    healthChecks = [ { type = "command"; command = "systemctl is-system-running"; } ];
    orchestration = { deployStrategy = "recreate"; criticalityLevel = "low"; };
  };
}
