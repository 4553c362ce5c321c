#include "tessera/cli/args.h"

#include "tessera/common/strings.h"

namespace tessera::cli {

std::optional<std::string> Args::Option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end())
    return std::nullopt;
  return it->second;
}

std::vector<std::string> Args::Values(const std::string& name) const {
  auto it = repeated.find(name);
  return it == repeated.end() ? std::vector<std::string>() : it->second;
}

Result<Args> ParseArgs(const std::vector<std::string>& argv,
                       const std::set<std::string>& value_options,
                       const std::set<std::string>& flag_options) {
  Args args;
  bool only_positional = false;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (only_positional || arg.size() < 2 || arg.rfind("--", 0) != 0) {
      if (!only_positional && arg.size() > 1 && arg[0] == '-' && arg != "-") {
        return Status::InvalidArgument("unknown option '" + arg + "'");
      }
      args.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (flag_options.count(name) != 0) {
      if (value)
        return Status::InvalidArgument("option '--" + name + "' takes no value");
      args.flags.insert(name);
    } else if (value_options.count(name) != 0) {
      if (!value) {
        if (i + 1 >= argv.size())
          return Status::InvalidArgument("option '--" + name + "' needs a value");
        value = argv[++i];
      }
      args.options[name] = *value;
      args.repeated[name].push_back(*value);
    } else {
      return Status::InvalidArgument("unknown option '--" + name + "'");
    }
  }
  return args;
}

Result<std::chrono::seconds> ParseDuration(std::string_view option, std::string_view text,
                                           bool allow_zero) {
  int64_t unit = 1;
  std::string_view digits = text;
  if (!text.empty()) {
    switch (text.back()) {
      case 'd':
        unit = 86400;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'm':
        unit = 60;
        break;
      case 's':
        unit = 1;
        break;
      default:
        unit = 0;
    }
    if (unit != 0)
      digits = text.substr(0, text.size() - 1);
    else
      unit = 1;
  }
  auto n = ParseInt64(digits);
  if (!n.ok() || *n < (allow_zero ? 0 : 1) || *n > int64_t{100} * 366 * 86400 / unit) {
    return Status::InvalidArgument(
        "--" + std::string(option) + " takes a " + (allow_zero ? "" : "positive ") +
        "duration like 30d, 12h, 45m or 3600s, got '" + std::string(text) + "'");
  }
  return std::chrono::seconds(*n * unit);
}

}  // namespace tessera::cli
