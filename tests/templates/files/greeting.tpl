Hello ${name}!
%{ for item in items ~}
- ${item}
%{ endfor ~}
