# A flake in the shape of geokkjer/Home-lab's: every machine is a NixOS configuration made of its
# configuration.nix and the lab-machine module. nixpkgs is not here, so nix/lib.nix stands in
# for its module system (evalModules) and nix/nixos.nix for the NixOS options the machines use.
{
  outputs = { self }:
    let
      lib = import ./nix/lib.nix;
      pkgs = import ./nix/pkgs.nix { };
      nixosSystem = { modules }: lib.evalModules {
        modules = [ ./nix/nixos.nix ] ++ modules;
        specialArgs = { inherit pkgs; };
      };
      machine = name: nixosSystem {
        modules = [ ./modules/lab-machine.nix (./machines + "/${name}/configuration.nix") ];
      };
      machines = builtins.attrNames (builtins.readDir ./machines);
    in
    {
      nixosConfigurations = builtins.listToAttrs (map (name: { inherit name; value = machine name; }) machines);
    };
}
