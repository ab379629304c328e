# The outputs of a lab's flake (the generated flake.nix imports this file). Every host in
# machines.json becomes nixosConfigurations.<host>: plain attribute sets shaped like a NixOS
# configuration, with Flotilla's metadata (flotilla.machine, including the lab host's real target)
# and a system closure built from hosts/<host>.json. There is no nixpkgs: see host.nix.
{ system }:
let
  machines = builtins.fromJSON (builtins.readFile ../machines.json);
  # ./bin holds a static busybox named busybox.
  mkSystem = import ./host.nix { inherit system; busybox = ./bin; };
  configuration = name: machine: {
    config = {
      networking.hostName = name;
      flotilla.machine = machine;
      system.build.toplevel = mkSystem {
        inherit name;
        config = builtins.fromJSON (builtins.readFile (../hosts + "/${name}.json"));
      };
    };
  };
in
{
  nixosConfigurations = builtins.mapAttrs configuration machines;
}
