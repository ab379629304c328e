{...}: {
  imports = [
    ./../../services/homebridge.nix
    ./../../services/scrypted.nix
  ];

  networking.hostName = "svr3chng";
}
