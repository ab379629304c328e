# A small stand-in for nixpkgs' lib and its module system, for tests on a machine without
# nixpkgs. It does what the modules under test rely on, the way nixpkgs does it: options with
# types, defaults and `apply`; definitions merged across modules with mkIf, mkMerge and
# priorities (mkDefault, mkForce); type checks; submodules; "used but not defined" and
# "does not exist" errors with nixpkgs' wording. It is not nixpkgs: it has no option docs, no
# freeform modules and no _module.args beyond `specialArgs`.
let
  inherit (builtins)
    all any attrNames concatLists concatStringsSep elem filter foldl' functionArgs head
    intersectAttrs isAttrs isBool isFunction isInt isList isPath isString length listToAttrs
    mapAttrs match replaceStrings tail typeOf;

  unique = list: foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ] list;
  showPath = path: concatStringsSep "." (map toString path);
  show = v:
    if isString v then "\"${v}\""
    else if isInt v || isBool v then builtins.toJSON v
    else if v == null then "null"
    else "<${typeOf v}>";

  mkType = { name, description ? name, check ? (_: true), merge ? mergeEqual }:
    { _type = "type"; inherit name description check merge; };

  mergeEqual = path: values:
    if all (v: v == head values) values then head values
    else throw "The option `${showPath path}' has conflicting definition values: ${concatStringsSep ", " (map show values)}.";

  # As nixpkgs' types.anything: priorities (mkOverride, mkDefault, mkForce) inside a value are
  # resolved where they stand: the definitions of the best priority win, unwrapped.
  priorityOf = v: if isAttrs v && (v._type or null) == "override" then v.priority else 100;
  unwrapOverride = v: if isAttrs v && (v._type or null) == "override" then unwrapOverride v.content else v;
  mergeAnything = path: definitions:
    let
      best = foldl' (m: v: if priorityOf v < m then priorityOf v else m) 100000 definitions;
      values = map unwrapOverride (filter (v: priorityOf v == best) definitions);
      isSet = v: isAttrs v && (v.type or null) != "derivation";
    in
    if values != [ ] && all isSet values then
      mapAttrs (n: _: mergeAnything (path ++ [ n ]) (map (v: v.${n}) (filter (v: v ? ${n}) values)))
        (foldl' (a: b: a // b) { } values)
    else if length values == 1 then head values
    else if all isList values then concatLists values
    else mergeEqual path values;

  types = rec {
    anything = mkType { name = "anything"; merge = mergeAnything; };
    unspecified = anything // { name = "unspecified"; description = "unspecified value"; };
    attrs = mkType { name = "attrs"; description = "attribute set"; check = isAttrs; merge = _: foldl' (a: b: a // b) { }; };
    str = mkType { name = "str"; description = "string"; check = isString; };
    lines = mkType { name = "lines"; description = "strings concatenated with \"\\n\""; check = isString; merge = _: concatStringsSep "\n"; };
    bool = mkType { name = "bool"; description = "boolean"; check = isBool; };
    int = mkType { name = "int"; description = "signed integer"; check = isInt; };
    path = mkType { name = "path"; description = "path"; check = v: isPath v || (isString v && builtins.substring 0 1 v == "/"); };
    package = mkType { name = "package"; description = "package"; check = v: isAttrs v && (v.type or null == "derivation" || v ? outPath); };
    ints = {
      positive = int // { name = "positiveInt"; description = "positive integer, meaning >0"; check = v: isInt v && v > 0; };
      unsigned = int // { name = "unsignedInt"; description = "unsigned integer, meaning >=0"; check = v: isInt v && v >= 0; };
      between = lowest: highest: int // {
        name = "intBetween";
        description = "integer between ${toString lowest} and ${toString highest} (both inclusive)";
        check = v: isInt v && v >= lowest && v <= highest;
      };
    };
    port = ints.between 0 65535 // { name = "port"; description = "16 bit unsigned integer; between 0 and 65535 (both inclusive)"; };
    enum = values: mkType {
      name = "enum";
      description = "one of ${concatStringsSep ", " (map show values)}";
      check = v: elem v values;
    };
    strMatching = pattern: str // {
      name = "strMatching ${show pattern}";
      description = "string matching the pattern ${pattern}";
      check = v: isString v && match pattern v != null;
    };
    nullOr = type: mkType {
      name = "nullOr";
      description = "null or ${type.description}";
      check = v: v == null || type.check v;
      merge = path: values:
        let nonNull = filter (v: v != null) values; in
        if nonNull == [ ] then null
        else if length nonNull != length values then throw "The option `${showPath path}' is defined both null and not null."
        else type.merge path nonNull;
    };
    listOf = type: mkType {
      name = "listOf";
      description = "list of ${type.description}";
      check = isList;
      merge = path: values:
        let entries = concatLists values; in
        map (entry: checkValue (path ++ [ "*" ]) type entry (type.merge (path ++ [ "*" ]) [ entry ])) entries;
    };
    attrsOf = type: mkType {
      name = "attrsOf";
      description = "attribute set of ${type.description}";
      check = isAttrs;
      # Each attribute's definitions merge as an option's do: mkIf false leaves it out.
      merge = path: values:
        let
          merged = map
            (name: { inherit name; value = mergeDefinitions (path ++ [ name ]) type (concatLists (map (definitionsOf name) values)); })
            (unique (concatLists (map namesOf values)));
        in
        mapAttrs (_: m: m.value) (listToAttrs (filter (m: m.value.isDefined) merged));
    };
    submodule = module: mkType {
      name = "submodule";
      description = "submodule";
      check = v: isAttrs v || isFunction v;
      merge = path: values:
        (evalModules {
          prefix = path;
          modules = [ (if isAttrs module && !(module ? options) && !(module ? config) && !(module ? imports) then { options = module; } else module) ]
            ++ map (v: { config = v; }) values;
        }).config;
    };
  };

  checkValue = path: type: value: result:
    if type.check value then result
    else throw "A definition for option `${showPath path}' is not of type `${type.description}'. Definition values: ${show value}";

  mkOption = attrs: attrs // { _type = "option"; };
  isOption = v: isAttrs v && v._type or null == "option";
  mkEnableOption = name: mkOption { type = types.bool; default = false; example = true; description = "Whether to enable ${name}."; };
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkDefault = mkOverride 1000;
  mkForce = mkOverride 50;

  # The definitions of attribute `name` inside a definition, its mkIf/mkOverride kept (and its
  # condition not forced: a module's `config = mkIf cfg.enable { ... }` reads its own options).
  definitionsOf = name: def:
    let kind = if isAttrs def then def._type or null else null; in
    if kind == "if" then map (mkIf def.condition) (definitionsOf name def.content)
    else if kind == "override" then map (mkOverride def.priority) (definitionsOf name def.content)
    else if kind == "merge" then concatLists (map (definitionsOf name) def.contents)
    else if isAttrs def && def ? ${name} then [ def.${name} ]
    else [ ];

  namesOf = def:
    let kind = if isAttrs def then def._type or null else null; in
    if kind == "if" || kind == "override" then namesOf def.content
    else if kind == "merge" then concatLists (map namesOf def.contents)
    else if isAttrs def then attrNames def
    else [ ];

  # Definitions with their priority; mkIf's condition is forced here, at the option.
  discharge = priority: def:
    let kind = if isAttrs def then def._type or null else null; in
    if kind == "if" then (if def.condition then discharge priority def.content else [ ])
    else if kind == "override" then discharge def.priority def.content
    else if kind == "merge" then concatLists (map (discharge priority) def.contents)
    else [ { inherit priority; value = def; } ];

  # Definitions (with mkIf, mkOverride, mkMerge) of one value of a type: the highest priority
  # ones, type-checked and merged; isDefined is false when none is left.
  mergeDefinitions = path: type: defs:
    let
      all' = concatLists (map (discharge 100) defs);
      best = foldl' (p: d: if d.priority < p then d.priority else p) 9999 all';
      values = map (d: d.value) (filter (d: d.priority == best) all');
    in
    {
      isDefined = values != [ ];
      value = type.merge path (map (v: checkValue path type v v) values);
    };

  evalOption = path: option: defs:
    let
      defaults = if option ? default then [ (mkOverride 1500 option.default) ] else [ ];
      merged = mergeDefinitions path (option.type or types.unspecified) (defs ++ defaults);
    in
    if !merged.isDefined then throw "The option `${showPath path}' is used but not defined."
    else (option.apply or (x: x)) merged.value;

  mergeDeclarations = declarations:
    let names = unique (concatLists (map attrNames declarations)); in
    listToAttrs (map
      (name:
        let own = map (d: d.${name}) (filter (d: d ? ${name}) declarations); in
        {
          inherit name;
          value = if isOption (head own) then foldl' (a: b: a // b) { } own else mergeDeclarations own;
        })
      names);

  evalLevel = path: options: defs:
    let undeclared = filter (n: !(options ? ${n})) (unique (concatLists (map namesOf defs))); in
    if undeclared != [ ] then throw "The option `${showPath (path ++ [ (head undeclared) ])}' does not exist."
    else mapAttrs
      (name: option:
        let own = concatLists (map (definitionsOf name) defs); in
        if isOption option then evalOption (path ++ [ name ]) option own
        else evalLevel (path ++ [ name ]) option own)
      options;

  evalModules = { modules, specialArgs ? { }, prefix ? [ ] }:
    let
      arguments = { inherit lib config options; } // specialArgs;
      load = module:
        let
          value = if isPath module || isString module then import module else module;
          body = if isFunction value then value (intersectAttrs (functionArgs value) arguments) else value;
        in
        [ body ] ++ concatLists (map load (body.imports or [ ]));
      bodies = concatLists (map load modules);
      options = mergeDeclarations (map (b: b.options or { }) bodies);
      definitions = map
        (b: if b ? options || b ? config then b.config or { } else removeAttrs b [ "imports" "_file" "meta" "disabledModules" ])
        bodies;
      config = evalLevel prefix options definitions;
    in
    { inherit config options; };

  escapeRegex = replaceStrings
    [ "\\" "[" "]" "(" ")" "{" "}" "." "*" "+" "?" "^" "$" "|" ]
    [ "\\\\" "\\[" "\\]" "\\(" "\\)" "\\{" "\\}" "\\." "\\*" "\\+" "\\?" "\\^" "\\$" "\\|" ];

  escapeShellArg = arg:
    let string = toString arg; in
    if match "[[:alnum:],._+:@%/-]+" string != null then string
    else "'${replaceStrings [ "'" ] [ "'\\''" ] string}'";

  lib = {
    inherit types mkOption mkEnableOption mkIf mkMerge mkOverride mkDefault mkForce evalModules escapeShellArg;
    escapeShellArgs = args: concatStringsSep " " (map escapeShellArg args);
    optional = condition: value: if condition then [ value ] else [ ];
    optionals = condition: values: if condition then values else [ ];
    optionalAttrs = condition: set: if condition then set else { };
    optionalString = condition: string: if condition then string else "";
    concatMap = f: list: concatLists (map f list);
    concatStringsSep = concatStringsSep;
    mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
    mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
    reverseList = list: let n = length list; in builtins.genList (i: builtins.elemAt list (n - i - 1)) n;
    filterAttrs = f: set: listToAttrs (map (n: { name = n; value = set.${n}; }) (filter (n: f n set.${n}) (attrNames set)));
    literalExpression = text: { _type = "literalExpression"; inherit text; };
    hasPrefix = prefix: string: builtins.substring 0 (builtins.stringLength prefix) string == prefix;
    hasInfix = infix: string: builtins.match ".*${escapeRegex infix}.*" string != null;
    removePrefix = prefix: string:
      let p = builtins.stringLength prefix; in
      if builtins.substring 0 p string == prefix then builtins.substring p (builtins.stringLength string - p) string else string;
    genAttrs = names: f: listToAttrs (map (name: { inherit name; value = f name; }) names);
    hasSuffix = suffix: string:
      let l = builtins.stringLength string; s = builtins.stringLength suffix; in
      l >= s && builtins.substring (l - s) s string == suffix;
    removeSuffix = suffix: string:
      let l = builtins.stringLength string; s = builtins.stringLength suffix; in
      if l >= s && builtins.substring (l - s) s string == suffix then builtins.substring 0 (l - s) string else string;
    showOption = showPath;
  };
in
lib
