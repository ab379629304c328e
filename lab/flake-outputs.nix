# The outputs of a lab's flake (the generated flake.nix imports this file). Every host in
# machines.json becomes a configuration of its platform (hosts/<host>.json's "platform"), shaped
# like the real ones with Flotilla's metadata (flotilla.machine, including the lab host's real
# target) and a closure built from hosts/<host>.json:
#   nixos         nixosConfigurations.<host>.config.system.build.toplevel
#   darwin        darwinConfigurations.<host>.config.system.build.toplevel
#   home-manager  homeConfigurations."<user>@<host>".activationPackage
# labSystems.<host> is every host's closure, whatever its platform, for the lab's own builds.
# There is no nixpkgs: see host.nix.
{ system }:
let
  machines = builtins.fromJSON (builtins.readFile ../machines.json);
  # ./bin holds a static busybox named busybox.
  mkSystem = import ./host.nix { inherit system; busybox = ./bin; };
  labConfig = name: builtins.fromJSON (builtins.readFile (../hosts + "/${name}.json"));
  platformOf = name: (labConfig name).platform or "nixos";
  closure = name: mkSystem { inherit name; config = labConfig name; };
  namesOf = platform: builtins.filter (n: platformOf n == platform) (builtins.attrNames machines);
  systemConfiguration = name: {
    config = {
      networking.hostName = name;
      flotilla.machine = machines.${name};
      system.build.toplevel = closure name;
    };
  };
  systems = platform: builtins.listToAttrs (map (n: { name = n; value = systemConfiguration n; }) (namesOf platform));
  homeConfiguration = name:
    let user = (labConfig name).user or "root"; in {
      name = "${user}@${name}";
      value = {
        config = {
          home.username = user;
          flotilla.machine = machines.${name};
        };
        activationPackage = closure name;
      };
    };
in
{
  nixosConfigurations = systems "nixos";
  darwinConfigurations = systems "darwin";
  homeConfigurations = builtins.listToAttrs (map homeConfiguration (namesOf "home-manager"));
  labSystems = builtins.mapAttrs (n: _: closure n) machines;
}
