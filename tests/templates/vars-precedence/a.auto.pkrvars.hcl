from_auto     = "auto"
from_var_file = "auto"
from_cli      = "auto"
